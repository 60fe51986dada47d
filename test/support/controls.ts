/** The control characters in a text other than its line breaks. */
export function controlsBesidesNewline(text: string): string[] {
  return [...text].filter((char) => {
    const code = char.charCodeAt(0);
    return char !== '\n' && (code < 0x20 || (code >= 0x7f && code <= 0x9f));
  });
}
