/** The real platform: runtime messages to the background, and browser.tabs for the popup's two tab operations. */
import browser from "webextension-polyfill";
import type { Connector, RequestType, Requests, ResponseOf } from "../../src/protocol";
import type { Platform } from "./context";

export const runtimeConnector: Connector = {
  send<K extends RequestType>(type: K, request: Requests[K]["request"]): Promise<ResponseOf<K>> {
    return browser.runtime.sendMessage({ type, ...request }) as Promise<ResponseOf<K>>;
  },
};

export const runtimePlatform: Platform = {
  connector: runtimeConnector,
  async activeTab() {
    const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
    return tab?.id === undefined ? null : { id: tab.id, url: tab.url };
  },
  openTab(url) {
    void browser.tabs.create({ url: new URL(url, location.href).href });
  },
};
