/**
 * The JSON examples of the two seed documents, verbatim (trailing commas, tabs, labels and all):
 * `000_f6b472ff814c42d0.txt` (Rooms logs) and `004_e48fbf1a5839ddcc.txt` (Call Recording logs).
 * Read them with `seedValues` from ./lenientJson.ts.
 */

/** 000_f6b472ff814c42d0.txt, "Example CreateRoom log". */
export const ROOMS_CREATE_ROOM = String.raw`    [
      {
      "CorrelationId": "Y4x6ZabFE0+E8ERwMpd68w",
      "Level": "Informational",
      "OperationName": "CreateRoom",
      "OperationVersion": "2023-10-30-preview",
      "ResultType": "Succeeded",
      "ResultSignature": 201,
      "RoomId": "99466898241024408",
      "RoomLifespan": 61,
      "AddedRoomParticipantsCount": 4,
      "TimeGenerated": "5/25/2023, 4:32:49.469 AM",
      "PstnDialOutEnabled": false,
      }
    ]
`;

/** 000_f6b472ff814c42d0.txt, "Example GetRoom log". */
export const ROOMS_GET_ROOM = String.raw`    [
      {
      "CorrelationId": "CNiZIX7fvkumtBSpFq7fxg",
      "Level": "Informational",
      "OperationName": "GetRoom",
      "OperationVersion": "2023-10-30-preview",
      "ResultType": "Succeeded",
      "ResultSignature": "200",
      "RoomId": "99466387192310000",
      "RoomLifespan": 61,
      "TimeGenerated": "2022-08-19T17:07:30.2400300Z",
      },
    ]
`;

/** 000_f6b472ff814c42d0.txt, "Example UpdateRoom log". */
export const ROOMS_UPDATE_ROOM = String.raw`    [
      {
      "CorrelationId": "Bwqzh0pdnkGPDwNcMnBkng",
      "Level": "Informational",
      "OperationName": "UpdateRoom",
      "OperationVersion": "2023-10-30-preview",
      "ResultType": "Succeeded",
      "ResultSignature": "200",
      "RoomId": "99466387192310000",
      "RoomLifespan": 121,
      "TimeGenerated": "2022-08-19T17:07:30.3543160Z",
      "PstnDialOutEnabled": false,
      },
    ]
`;

/** 000_f6b472ff814c42d0.txt, "Example DeleteRoom log". */
export const ROOMS_DELETE_ROOM = String.raw`    [
      {
      "CorrelationId": "x7rMXmihYEe3GFho9T/H2w",
      "Level": "Informational",
      "OperationName": "DeleteRoom",
      "OperationVersion": "2023-10-30-preview",
      "ResultType": "Succeeded",
      "ResultSignature": "204",
      "RoomId": "99466387192310000",
      "RoomLifespan": 121,
      "TimeGenerated": "2022-08-19T17:07:30.5393800Z",
      },
    ]
`;

/** 000_f6b472ff814c42d0.txt, "Example ListRooms log". */
export const ROOMS_LIST_ROOMS = String.raw`	[
	  {
	  "CorrelationId": "KibM39CaXkK+HTInfsiY2w",
	  "Level": "Informational",
	  "OperationName": "ListRooms",
	  "OperationVersion": "2023-10-30-preview",
	  "ResultType": "Succeeded",
	  "ResultSignature": "200",
	  "TimeGenerated": "2022-08-19T17:07:30.5393800Z",
	  },
	]
`;

/** 000_f6b472ff814c42d0.txt, "Example UpdateParticipants log". */
export const ROOMS_UPDATE_PARTICIPANTS = String.raw`    [
      {
      "CorrelationId": "zHT8snnUMkaXCRDFfjQDJw",
      "Level": "Informational",
      "OperationName": "UpdateParticipants",
      "OperationVersion": "2023-10-30-preview",
      "ResultType": "Succeeded",
      "ResultSignature": "200",
      "RoomId": "99466387192310000",
      "RoomLifespan": 121,
      "UpsertedRoomParticipantsCount": 5,
      "RemovedRoomParticipantsCount": 1,
      "TimeGenerated": "2023-04-14T17:07:30.5393800Z",
      },
    ]
`;

/** 004_e48fbf1a5839ddcc.txt, "Call Recording and example data". */
export const RECORDING_SUMMARY_HEADER = String.raw`"operationName":            "Call Recording Summary",
"operationVersion":         "1.0",
"category":                 "RecordingSummary",

`;

/** 004_e48fbf1a5839ddcc.txt, "Example: Call Recording for one call to one recording". */
export const RECORDING_SUMMARY_ONE_RECORDING = String.raw`"properties"
{  
  "TimeGenerated":"2022-08-17T23:18:26.4332392Z",
    "OperationName": "RecordingSummary",
    "Category": "CallRecordingSummary",
    "CorrelationId": "zzzzzz-cada-4164-be10-0000000000",
    "ResultType": "Succeeded",
    "Level": "Informational",
    "RecordingId": "eyJQbGF0Zm9ybUVuZHBvaW5xxxxxxxxFmNjkwxxxxxxxxxxxxSZXNvdXJjZVNwZWNpZmljSWQiOiJiZGU5YzE3Ni05M2Q3LTRkMWYtYmYwNS0yMTMwZTRiNWNlOTgifQ",
    "RecordingEndReason": "CallEnded",
    "RecordingStartTime": "2022-08-16T09:07:54.0000000Z",
    "RecordingLength": "73872.94",
    "ChunkCount": 6,
   "ContentType": "Audio - Video",
    "ChannelType": "mixed",
    "FormatType": "mp4",
    "AudioChannelsCount": 1
}
`;

/** 004_e48fbf1a5839ddcc.txt, "Example: Call Recording for one call to many recordings". */
export const RECORDING_SUMMARY_MANY_RECORDINGS = String.raw`
{   
 "TimeGenerated": "2022-08-17T23:55:46.6304762Z",
    "OperationName": "RecordingSummary",
    "Category": "CallRecordingSummary",
    "CorrelationId": "xxxxxxx-cf78-4156-zzzz-0000000fa29cc",
    "ResultType": "Succeeded",
    "Level": "Informational",
    "RecordingId": "eyJQbGF0Zm9ybUVuZHBxxxxxxxxxxxxjkwMC05MmEwLTRlZDYtOTcxYS1kYzZlZTkzNjU0NzciLCJSxxxxxNwZWNpZmljSWQiOiI5ZmY2ZTY2Ny04YmQyLTQ0NzAtYmRkYy00ZTVhMmUwYmNmOTYifQ",
    "RecordingEndReason": "CallEnded",
    "RecordingStartTime": "2022-08-17T23:55:43.3304762Z",
    "RecordingLength": 3.34,
    "ChunkCount": 1,
    "ContentType": "Audio - Video",
    "ChannelType": "mixed",
    "FormatType": "mp4",
    "AudioChannelsCount": 1
}
{
    "TimeGenerated": "2022-08-17T23:55:56.7664976Z",
    "OperationName": "RecordingSummary",
    "Category": "CallRecordingSummary",
    "CorrelationId": "xxxxxxx-cf78-4156-zzzz-0000000fa29cc",
    "ResultType": "Succeeded",
    "Level": "Informational",
    "RecordingId": "eyJQbGF0Zm9ybUVuxxxxxxiOiI4NDFmNjkwMC1mMjBiLTQzNmQtYTg0Mi1hODY2YzE4M2Y0YTEiLCJSZXNvdXJjZVNwZWNpZmljSWQiOiI2YzRlZDI4NC0wOGQ1LTQxNjEtOTExMy1jYWIxNTc3YjM1ODYifQ",
    "RecordingEndReason": "CallEnded",
    "RecordingStartTime": "2022-08-17T23:55:54.0664976Z",
    "RecordingLength": 2.7,
    "ChunkCount": 1,
    "ContentType": "Audio - Video",
    "ChannelType": "mixed",
    "FormatType": "mp4",
    "AudioChannelsCount": 1
}
`;

/** 004_e48fbf1a5839ddcc.txt, "ACSCallRecordingIncomingOperations logs". */
export const RECORDING_INCOMING_OPERATION = String.raw`"properties"
{  "TimeGenerated": "2023-05-09T15:58:30.100Z",
    "Level": "Informational",
    "CorrelationId": "a999f996-b4e1-xxxx-ac04-a59test87d97",
    "OperationName": "ResumeCallRecording",
    "OperationVersion": "2023-03-06",
    "URI": "https://acsresouce.communication.azure.com/calling/recordings/   eyJQbGF0Zm9ybUVuZHBviI0MjFmMTIwMC04MjhiLTRmZGItOTZjYi0...:resume?api-version=2023-03-06",
    "ResultType": "Succeeded",
    "ResultSignature": 202,
    "DurationMs": 130,
    "CallerIpAddress": "127.0.0.1",
    "CallConnectionId": "d5596715-ab0b-test-8eee-575c250e4234",
    "ServerCallId": "aHR0cHM6Ly9hcGk0vjCCCCCCQd2pRP2k9OTMmZT02Mzc5OTQ3xMDAzNDUwMzg...",
    "SdkVersion": "1.0.0-alpha.20220829.1",
    "SdkType": "dotnet"
}
`;
