// Package network is the Incus network family on the generic config object
// (internal/provider/incus/configobject): networks and what hangs off them
// (ACLs, address sets, forwards, load balancers, peers, integrations, DNS
// zones and their records), one file per object; values.go holds the
// conversions several of them share.
package network
