/** Pure: user-info (user:password@) and query strings in every URL of a text replaced, for messages, logs and argv shown. */
export function redactUserInfo(text: string): string {
  return text
    .replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s'"]+@/g, "$1***@")
    .replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s'"?]*)\?[^\s'"]*/g, "$1?***")
    .replace(/(^|[\s'"])[^/@\s'":]+:[^/@\s'"]+@(?=[^/:\s]+:)/g, "$1***@");
}
