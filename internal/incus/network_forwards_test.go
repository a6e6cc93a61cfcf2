package incus

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/testnet"
)

// forwardHosts are the mock and, with RACK_ACC_INCUS_SOCKET, the real daemon.
func forwardHosts(t *testing.T) map[string]*Client {
	_, m := startMock(t)
	hosts := map[string]*Client{"mock": m}
	t.Run("probe", func(t *testing.T) {
		if c, _ := realClient(t); c != nil {
			hosts["real"] = c
		}
	})
	return hosts
}

// incusd does not check If-Match on a forward's PUT: the client reads the
// forward first, so one changed since the ETag was read is a Conflict, and
// an unchanged one is updated.
func TestForwardUpdateChecksETag(t *testing.T) {
	for name, c := range forwardHosts(t) {
		t.Run(name, func(t *testing.T) {
			ctx, s := context.Background(), Scope{}
			br, sub := fmt.Sprintf("rfe%04x", rand.IntN(1<<16)), testnet.Subnet24(fmt.Sprintf("client-forward-%d", rand.Int64()))
			mustOK(t, c.CreateNetwork(ctx, s, NetworkSpec{Name: br, NetworkPut: NetworkPut{Config: map[string]string{
				"ipv4.address": sub + ".1/24", "ipv4.nat": "false", "ipv6.address": "none"}}}))
			t.Cleanup(func() {
				_ = c.DeleteNetworkForward(ctx, s, br, sub+".5")
				_ = c.DeleteNetwork(ctx, s, br)
			})
			mustOK(t, c.CreateNetworkForward(ctx, s, br, sub+".5", NetworkForwardPut{Description: "one"}))
			f, err := c.GetNetworkForward(ctx, s, br, sub+".5")
			mustOK(t, err)
			stale := f.ETag
			mustOK(t, c.UpdateNetworkForward(ctx, s, br, sub+".5", NetworkForwardPut{Description: "two"}, stale))
			err = c.UpdateNetworkForward(ctx, s, br, sub+".5", NetworkForwardPut{Description: "three"}, stale)
			var ce *clienterr.ConflictError
			if !errors.As(err, &ce) || !strings.Contains(ce.Message, "changed outside Terraform") {
				t.Fatalf("update with a stale ETag: %v, want a Conflict", err)
			}
			f, err = c.GetNetworkForward(ctx, s, br, sub+".5")
			mustOK(t, err)
			if f.Description != "two" {
				t.Errorf("the stale update went through: description %q", f.Description)
			}
			// A missing network is NotFound of the network, not of the forward.
			_, err = c.GetNetworkForward(ctx, s, br+"x", sub+".5")
			var nfe *clienterr.NotFoundError
			if !errors.As(err, &nfe) || !strings.HasPrefix(nfe.Object, fmt.Sprintf("network %q", br+"x")) {
				t.Errorf("forward on a missing network: %v", err)
			}
		})
	}
}

// The same for a peer (incusd does not check If-Match there either), on the
// mock: peers need OVN networks.
func TestPeerUpdateChecksETag(t *testing.T) {
	_, c := startMock(t)
	ctx, s := context.Background(), Scope{}
	for _, n := range []string{"ovn1", "ovn2"} {
		mustOK(t, c.CreateNetwork(ctx, s, NetworkSpec{Name: n, Type: "ovn", NetworkPut: NetworkPut{Config: map[string]string{"network": "mockbr0"}}}))
	}
	mustOK(t, c.CreateNetworkPeer(ctx, s, "ovn1", NetworkPeerSpec{Name: "p", Type: "local", TargetProject: "default", TargetNetwork: "ovn2", NetworkPeerPut: NetworkPeerPut{Description: "one"}}))
	p, err := c.GetNetworkPeer(ctx, s, "ovn1", "p")
	mustOK(t, err)
	stale := p.ETag
	mustOK(t, c.UpdateNetworkPeer(ctx, s, "ovn1", "p", NetworkPeerPut{Description: "two"}, stale))
	err = c.UpdateNetworkPeer(ctx, s, "ovn1", "p", NetworkPeerPut{Description: "three"}, stale)
	var ce *clienterr.ConflictError
	if !errors.As(err, &ce) || !strings.Contains(ce.Message, "changed outside Terraform") {
		t.Fatalf("update with a stale ETag: %v, want a Conflict", err)
	}
	if p, err = c.GetNetworkPeer(ctx, s, "ovn1", "p"); err != nil || p.Description != "two" {
		t.Errorf("the stale update went through: %+v %v", p, err)
	}
}
