/** The event types the API knows by name (any other valid name is a custom type). */
export const KNOWN_EVENT_TYPES = [
  'session_start',
  'session_end',
  'page_view',
  'product_view',
  'search',
  'add_to_cart',
  'remove_from_cart',
  'checkout_start',
  'purchase',
  'button_click',
  'form_submit',
  'video_play',
  'video_pause',
  'scroll',
] as const;
