// node build.mjs SOURCE WIT OUT: the extension component, as the README shows.
import { componentize } from '@bytecodealliance/componentize-js';
import { writeFile } from 'node:fs/promises';

const [source, wit, out] = process.argv.slice(2);
const { component } = await componentize({ sourcePath: source, witPath: wit, worldName: 'scalar-extension' });
await writeFile(out, component);
