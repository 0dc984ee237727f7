// The block page renders from its URL only: no platform, no runtime messages (the background may be restarting).
import { render } from "preact";
import { BlockedPage } from "../blocked/BlockedPage";

render(<BlockedPage search={location.search} />, document.getElementById("app")!);
