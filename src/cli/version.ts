// The package version, taken from package.json when the CLI is bundled (only this field is kept).
import { version } from '../../package.json';

export const VERSION: string = version;
