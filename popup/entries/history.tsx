import { HistoryPage } from "../history/HistoryPage";
import { mount } from "./mount";

mount(<HistoryPage />);
