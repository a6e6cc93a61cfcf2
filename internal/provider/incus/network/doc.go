// Package network is the Incus network family on the generic config object
// (internal/provider/incus/configobject): networks and what hangs off them
// (ACLs, address sets, forwards, load balancers, peers, DNS zones and their
// records), one file per object.
package network
