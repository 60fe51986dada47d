// Module resolution hooks (they run on a thread of their own): each resolved URL is appended to IMPORTS_FILE.
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (process.env.IMPORTS_FILE) appendFileSync(process.env.IMPORTS_FILE, `${resolved.url}\n`);
  return resolved;
}
