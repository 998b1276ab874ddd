import { redactProblemDetail } from '../core/detect/redact';
import { displayText } from '../core/report/display-text';

/** A reader problem's detail as a terminal may show it: it can quote the object's bytes, or name an object its writer named. */
export function shownDetail(detail: string): string {
  return displayText(redactProblemDetail(detail));
}
