import { render, type ComponentChildren } from "preact";
import { PlatformProvider } from "../connect/context";
import { runtimePlatform } from "../connect/runtime";

/** Renders a page into #app with the real platform (runtime messages, browser.tabs). */
export function mount(page: ComponentChildren): void {
  render(<PlatformProvider platform={runtimePlatform}>{page}</PlatformProvider>, document.getElementById("app")!);
}
