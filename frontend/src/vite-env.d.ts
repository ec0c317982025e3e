/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Base URL of the API (no trailing slash); empty means the console's own origin. */
  readonly VITE_API_BASE_URL?: string;
}
