/**
 * A set that does not keep its members alive, and can be walked. The issuer tells every revocation check
 * it handed out about each revocation; an app that builds verifiers as it goes (one per router, per test,
 * per request even) must not pin each of their caches in memory for the issuer's lifetime.
 */
export class WeakCollection<T extends object> implements Iterable<T> {
  private readonly refs = new Set<WeakRef<T>>();
  // Drops a collected member's reference, so the set stays as small as the live members.
  private readonly registry = new FinalizationRegistry<WeakRef<T>>((ref) => this.refs.delete(ref));

  add(member: T): void {
    const ref = new WeakRef(member);
    this.refs.add(ref);
    this.registry.register(member, ref);
  }

  /** How many references are held (live members, and collected ones not yet finalised). */
  get size(): number {
    return this.refs.size;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (const ref of this.refs) {
      const member = ref.deref();
      if (member === undefined) this.refs.delete(ref);
      else yield member;
    }
  }
}
