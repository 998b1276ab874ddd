/** Thresholds and allowlists the rules read; every field has a default (see config/schema.ts). */
export interface Settings {
  restarts: { threshold: number; windowMinutes: number };
  images: { allowedRegistries: string[]; flagMutableTags: boolean };
  serviceAccountTokens: { maxExpirationSeconds: number };
  secrets: { bulkReadNamespaces: number };
}

export const DEFAULT_SETTINGS: Settings = {
  restarts: { threshold: 5, windowMinutes: 60 },
  images: { allowedRegistries: [], flagMutableTags: true },
  serviceAccountTokens: { maxExpirationSeconds: 24 * 3600 },
  secrets: { bulkReadNamespaces: 3 },
};
