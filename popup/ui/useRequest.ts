import { useCallback, useLayoutEffect, useState } from "preact/hooks";
import { errorMessage } from "../../src/errorMessage";
import type { RequestType, Requests, ResponseOf } from "../../src/protocol";
import { useConnector } from "../connect/context";

export type Loaded<T> = { status: "loading" } | { status: "ready"; data: T } | { status: "failed"; error: string };

/**
 * Sends one request when the component mounts (and when `key` changes); `reload` asks again and
 * keeps showing the previous answer meanwhile, so the layout does not jump. The request leaves as
 * soon as the component has rendered (a layout effect): Preact runs a plain effect only after the
 * next frame is painted, which a view waiting for its data would pay once per request.
 */
export function useRequest<K extends RequestType>(type: K, request: Requests[K]["request"] | null, key = ""): [Loaded<ResponseOf<K>>, () => void] {
  const connector = useConnector();
  const [state, setState] = useState<Loaded<ResponseOf<K>>>({ status: "loading" });
  const [generation, setGeneration] = useState(0);
  const requestKey = request === null ? null : JSON.stringify(request);
  useLayoutEffect(() => {
    if (requestKey === null) return;
    let live = true;
    connector.send(type, JSON.parse(requestKey)).then(
      (data) => live && setState({ status: "ready", data }),
      // A failed refresh keeps what is on screen (the background may be restarting); only a first failure shows.
      (error) => live && setState((previous) => (previous.status === "ready" ? previous : { status: "failed", error: errorMessage(error) })),
    );
    return () => {
      live = false;
    };
  }, [connector, type, requestKey, key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return [state, reload];
}
