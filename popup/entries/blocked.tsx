// The block page asks the background for the details behind the id in its address.
import { BlockedPage } from "../blocked/BlockedPage";
import { mount } from "./mount";

mount(<BlockedPage search={location.search} />);
