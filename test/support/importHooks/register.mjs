// `node --import` this file: every module the process imports is appended, as a URL, to IMPORTS_FILE.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
