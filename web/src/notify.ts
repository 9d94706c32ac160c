// Telling the user about a message in a conversation not in view: a count in the title, and
// a system notification when the user allowed them.

let unseen = 0;

function showTitle(): void {
  document.title = unseen > 0 ? `(${unseen}) super-server` : 'super-server';
}

/** Counts a message the user has not seen, and notifies if allowed. */
export function notifyMessage(from: string): void {
  unseen += 1;
  showTitle();
  if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
    // The title is set as text by the browser; the body says who, never the message's markup.
    new Notification('New message', { body: `From ${from}` });
  }
}

/** The user is looking: clears the count. */
export function clearUnseen(): void {
  unseen = 0;
  showTitle();
}

/** Asks for permission to show notifications (only after a click: browsers require it). */
export function askNotifications(): void {
  if (typeof Notification !== 'undefined' && Notification.permission === 'default') {
    void Notification.requestPermission();
  }
}
