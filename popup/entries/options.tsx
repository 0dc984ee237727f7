import { OptionsPage } from "../options/OptionsPage";
import { mount } from "./mount";

mount(<OptionsPage />);
