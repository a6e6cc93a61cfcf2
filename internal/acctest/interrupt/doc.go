// Package interrupt holds the Ctrl-C and daemon-crash tests: they
// drive the real terraform binary with the built provider (dev_overrides).
// The Ctrl-C test sends SIGINT to an apply of 10 containers and to a rename
// of them at several moments; it runs against the mock host always and
// against a real Incus when RACK_ACC_INCUS_SOCKET is set, as every
// acceptance test. The crash test kills a private real incusd (its own
// INCUS_DIR, started by the test) with SIGKILL during an apply of 10
// containers and starts it again 3 s later; it runs only against real Incus,
// as root. Both check that the host and Terraform's state agree afterwards
// and that the next apply converges.
// RACK_ACC_PROVIDER_RACE=1 builds the provider they drive with -race.
package interrupt
