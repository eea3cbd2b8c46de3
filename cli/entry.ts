// The bundle's entry point (scripts/build-cli.mjs): run, exit with the code.
import { main } from "./main";

void main();
