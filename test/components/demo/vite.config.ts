/**
 * `npx vite --config test/components/demo/vite.config.ts`, then open
 * http://localhost:5173/test/components/demo/demo.html:
 * the views on fixture data in a plain tab. No crxjs here: its dev server would rewrite dist/.
 */
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({ plugins: [preact()], server: { port: 5173, strictPort: false } });
