package incusattr

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestConfigFromAPI(t *testing.T) {
	filled := func(k string) bool { return k == "source" }
	server := map[string]string{"source": "/var/lib/x", "volatile.initial": "1", "size": "5GiB", "user.a": "changed"}
	prior := types.MapValueMust(types.StringType, map[string]attr.Value{"user.a": types.StringValue("a"), "source": types.StringValue("/mine")})
	got := ConfigFromAPI(server, prior, filled)
	want := types.MapValueMust(types.StringType, map[string]attr.Value{
		"user.a": types.StringValue("changed"),    // managed: drift shows
		"source": types.StringValue("/var/lib/x"), // filled, but set by the user: drift shows
		"size":   types.StringValue("5GiB"),       // added outside Terraform: drift shows
	})
	if !got.Equal(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// Nothing managed and only filled-in keys: stays null.
	if got := ConfigFromAPI(map[string]string{"source": "x", "volatile.a": "b"}, types.MapNull(types.StringType), filled); !got.IsNull() {
		t.Errorf("only filled-in keys: got %v, want null", got)
	}
	// An empty configured map stays empty, not null.
	empty := types.MapValueMust(types.StringType, map[string]attr.Value{})
	if got := ConfigFromAPI(map[string]string{"source": "x"}, empty, filled); got.IsNull() || len(got.Elements()) != 0 {
		t.Errorf("configured {}: got %v", got)
	}
}
