import type { Middleware } from 'koa';

/** Runs `middleware` in order: koa-compose in a few lines, for tests without a router. */
export function chain(middleware: Middleware[]): Middleware {
  return (ctx, next) => {
    const run = (index: number): Promise<void> => Promise.resolve(index === middleware.length ? next() : middleware[index]!(ctx, () => run(index + 1)));
    return run(0);
  };
}
