/** Pure: drops user:password@ and query strings from every URL in a text (logs, messages, argv). */
export function redactUserInfo(text: string): string {
  return text
    .replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s'"]+@/g, "$1***@")
    .replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s'"?]*)\?[^\s'"]*/g, "$1?***")
    .replace(/(^|[\s'"])[^/@\s'":]+:[^/@\s'"]+@(?=[^/:\s]+:)/g, "$1***@");
}
