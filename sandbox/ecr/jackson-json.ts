/**
 * JSON printed the way Jackson's DefaultPrettyPrinter prints it, which is how ECR hands back
 * a stored policy: `"key" : value`, objects indented by two spaces, arrays on one line.
 */

export function printLikeJackson(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[ ]';
    // Jackson's array indenter is inline, so nested objects keep the enclosing indentation.
    return `[ ${value.map((item) => printLikeJackson(item, indent)).join(', ')} ]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{ }';
    const inner = `${indent}  `;
    const body = entries
      .map(([key, item]) => `${inner}${JSON.stringify(key)} : ${printLikeJackson(item, inner)}`)
      .join(',\n');
    return `{\n${body}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
