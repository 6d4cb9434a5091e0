/** The few direct browser touches of the console, kept in one typed place (components stay DOM-free). */

export function setPageTitle(title: string | null): void {
  document.title = title ? `${title} · Lyra` : 'Lyra';
}

/** The path vue-router recorded as the previous entry of this tab, if any. */
export function previousPath(): string | null {
  const back: unknown = typeof window !== 'undefined' ? (window.history.state as { back?: unknown } | null)?.back : null;
  return typeof back === 'string' ? back : null;
}
