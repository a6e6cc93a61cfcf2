// Package providerdata is what Configure hands to every resource and data
// source: the Incus client with its remotes and the PiKVM device clients.
package providerdata
