/** What the issuer needs to know of the application's users. */
export interface UserSource<User> {
  /**
   * Checks login credentials (the obtain body's fields, e.g. `{ username, password }`). Resolves the user,
   * or `null` for wrong credentials. Should spend the same time on an unknown user as on a wrong password.
   */
  authenticate(credentials: Readonly<Record<string, string>>, request: IssuerRequestInfo): Promise<User | null | undefined> | User | null | undefined;
  /** Loads a user by the id written in the tokens (refresh, sliding refresh). `null` when deleted. */
  getUser(id: string): Promise<User | null | undefined> | User | null | undefined;
}

/** The parts of the request hooks and the user source may read. */
export interface IssuerRequestInfo {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly clientAddress: string | undefined;
  readonly userAgent: string | undefined;
}
