// Package bench holds `make bench`: end-to-end figures for DESIGN.md's
// performance targets. It drives the real terraform binary with the built
// provider (dev_overrides) against the mock host and, when one is reachable,
// a real Incus, counting the HTTP requests each host receives, and times the
// incus CLI doing the same work for comparison.
package bench
