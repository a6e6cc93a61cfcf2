package provider

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/kvmd"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/instance"
	"github.com/rackform/terraform-provider-rack/internal/provider/pikvm"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

// stateWith builds a resource state with the given attributes set and every
// other attribute null.
func stateWith(t *testing.T, r resource.Resource, values map[string]tftypes.Value) tfsdk.State {
	t.Helper()
	ctx := context.Background()
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	objType := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	attrs := map[string]tftypes.Value{}
	for name, typ := range objType.AttributeTypes {
		if v, ok := values[name]; ok {
			attrs[name] = v
		} else {
			attrs[name] = tftypes.NewValue(typ, nil)
		}
	}
	return tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(objType, attrs)}
}

// configured hands r the provider data, as Terraform does after Configure.
func configured(t *testing.T, r resource.Resource, data *providerdata.Data) resource.Resource {
	t.Helper()
	rc, ok := r.(resource.ResourceWithConfigure)
	if !ok {
		t.Fatalf("%T has no Configure", r)
	}
	var resp resource.ConfigureResponse
	rc.Configure(context.Background(), resource.ConfigureRequest{ProviderData: data}, &resp)
	if resp.Diagnostics.HasError() {
		t.Fatal(resp.Diagnostics)
	}
	return r
}

// readGone runs Read on a state whose object is gone and checks that the
// resource leaves state with the warning saying so.
func readGone(t *testing.T, r resource.Resource, state tfsdk.State, warning string) {
	t.Helper()
	resp := &resource.ReadResponse{State: state}
	r.Read(context.Background(), resource.ReadRequest{State: state}, resp)
	if resp.Diagnostics.HasError() {
		t.Fatalf("Read failed: %v", resp.Diagnostics)
	}
	if !resp.State.Raw.IsNull() {
		t.Fatal("the resource was not removed from state")
	}
	if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary() != warning {
		t.Fatalf("diagnostics %v, want one warning %q", resp.Diagnostics, warning)
	}
}

func TestReadRemovesMissingInstanceWithWarning(t *testing.T) {
	dir, err := os.MkdirTemp("", "rack-gone-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	m, err := mockhost.StartIncus(filepath.Join(dir, "incus.sock"), "img")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	client, err := incus.New(incus.Options{Remotes: map[string]incus.Remote{"m": {Name: "m", Address: "unix://" + m.Socket()}}, DefaultRemote: "m"})
	if err != nil {
		t.Fatal(err)
	}
	r := configured(t, instance.NewResource(), &providerdata.Data{Incus: client})
	state := stateWith(t, r, map[string]tftypes.Value{
		"name":    tftypes.NewValue(tftypes.String, "gone"),
		"remote":  tftypes.NewValue(tftypes.String, "m"),
		"project": tftypes.NewValue(tftypes.String, "default"),
	})
	readGone(t, r, state, "Incus Instance Removed From State")
}

func TestReadRemovesMissingImageWithWarning(t *testing.T) {
	k, err := mockhost.StartKVMD("127.0.0.1:0", mockhost.KVMDOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Close() })
	c, err := kvmd.New(kvmd.Device{Name: "kvm1", URL: k.URL(), Username: "admin", Password: "admin"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	devices := &providerdata.PiKVMDevices{Clients: map[string]*kvmd.Client{"kvm1": c}, Default: "kvm1"}
	r := configured(t, pikvm.NewMSDImageResource(), &providerdata.Data{PiKVMs: devices})
	state := stateWith(t, r, map[string]tftypes.Value{
		"name":  tftypes.NewValue(tftypes.String, "gone.iso"),
		"pikvm": tftypes.NewValue(tftypes.String, "kvm1"),
	})
	readGone(t, r, state, "MSD Image Removed From State")
}
