// Redact secrets in FRR config text that was not rendered by us (the frr.conf on disk, shown in
// `plan`'s diff): the value after `password` (with an optional encryption keyword).
import { REDACTED } from './render.js';

const PASSWORD = /(\bpassword\s+(?:(?:md5|clear|0|7|8)\s+)?)\S+/g;

export const redactFrrText = (text: string): string => text.replace(PASSWORD, `$1${REDACTED}`);
