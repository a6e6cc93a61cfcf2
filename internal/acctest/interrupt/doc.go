// Package interrupt holds the Ctrl-C test: it drives the real
// terraform binary with the built provider (dev_overrides), sends SIGINT to
// an apply of 10 containers and to a rename of them at several moments, and
// checks that the host and Terraform's state agree afterwards and that the
// next apply converges. It runs against the mock host always and against a
// real Incus when RACK_ACC_INCUS_SOCKET is set, as every acceptance test.
// RACK_ACC_PROVIDER_RACE=1 builds the provider it drives with -race.
package interrupt
