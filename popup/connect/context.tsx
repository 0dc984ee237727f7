/** Dependency injection for the pages: every view reads the background and the browser through this. */
import { createContext, type ComponentChildren } from "preact";
import { useContext } from "preact/hooks";
import type { Connector } from "../../src/protocol";

/** What a page needs from its surroundings: the background, and the two tab operations the popup uses. */
export interface Platform {
  connector: Connector;
  /** The active tab of the current window, with its URL when the browser discloses it. */
  activeTab(): Promise<{ id: number; url?: string } | null>;
  /** Opens a web page or an extension page (URL relative to the current page) in a new tab. */
  openTab(url: string): void;
}

const PlatformContext = createContext<Platform | null>(null);

export function PlatformProvider({ platform, children }: { platform: Platform; children: ComponentChildren }) {
  return <PlatformContext.Provider value={platform}>{children}</PlatformContext.Provider>;
}

export function usePlatform(): Platform {
  const platform = useContext(PlatformContext);
  if (!platform) throw new Error("usePlatform: render the page inside <PlatformProvider>");
  return platform;
}

export const useConnector = (): Connector => usePlatform().connector;
