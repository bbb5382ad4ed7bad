// The screens as one module, which the shell loads after its first frame: they (and @inkjs/ui's text input, which
// the run screen uses) are not needed to draw "connecting…", so they load while Azure and the run store do.
export { Home } from "./Home.js";
export { RunScreen } from "./RunScreen.js";
export { RunsScreen } from "./RunsScreen.js";
export { SubscriptionScreen } from "./SubscriptionScreen.js";
