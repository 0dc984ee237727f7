import { TabView } from "../chain/TabView";
import { tabIdFromSearch } from "../ui/format";
import { mount } from "./mount";

mount(<TabView requestedTabId={tabIdFromSearch(location.search)} layout="page" />);
