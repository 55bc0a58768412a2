export const CODE_SERVER_VERSION: string;
export const TEST_CACHE_DIR: string;
export const CODE_SERVER_DIR: string;
export const CODE_SERVER_MARKER: string;
export const CODE_SERVER_ENTRY: string;
export const CHROMIUM_PATH: string;
