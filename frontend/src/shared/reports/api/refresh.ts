/** Reports refetch themselves this often (and when the window regains focus). */
export const REFRESH_MS = 60_000;
