// Package network holds the Incus network family: networks and what hangs
// off them (ACLs, address sets, forwards, load balancers, peers, zones).
package network
