// The Express 4 install is an npm alias (`express4`); it shares @types/express with Express 5.
declare module 'express4' {
  export { default } from 'express';
}
