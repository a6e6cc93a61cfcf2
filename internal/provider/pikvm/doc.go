// Package pikvm is the PiKVM family: power, MSD image and drive, GPIO
// outputs, and their data sources, over internal/kvmd.
package pikvm
