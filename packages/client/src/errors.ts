/** Why a client call failed; `code` is stable, `status` is the issuer's HTTP status when there was one. */
export type LatchkeyClientErrorCode = 'login_failed' | 'not_logged_in' | 'refresh_failed' | 'bad_response' | 'origin_not_allowed';

/** A typed failure of the client: log-in refused, session over, or an answer that is not simplejwt's shape. */
export class LatchkeyClientError extends Error {
  override readonly name = 'LatchkeyClientError';
  constructor(
    readonly code: LatchkeyClientErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
