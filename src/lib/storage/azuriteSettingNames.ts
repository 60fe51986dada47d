/** Settings the embedded Azurite reads as it starts (README.md, Configuration); the starter's own is AZURITE_PARENT_VARIABLE. */
export const AZURITE_SAVE_SECONDS_SETTING = 'ACS_LOGS_AZURITE_SAVE_SECONDS';
export const AZURITE_TABLE_INDEX_SETTING = 'ACS_LOGS_AZURITE_TABLE_INDEX';
export const AZURITE_REQUEST_COSTS_SETTING = 'ACS_LOGS_AZURITE_REQUEST_COSTS';
