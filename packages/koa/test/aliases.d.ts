// The Koa 2 install is an npm alias (`koa2`); it shares @types/koa with Koa 3.
declare module 'koa2' {
  export { default } from 'koa';
}
