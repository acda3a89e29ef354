// Files the webview bundle imports as text (scripts/build.mjs: the `text` loader).
declare module '*.svg' {
  const text: string;
  export default text;
}
