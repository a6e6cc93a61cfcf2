package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/defaults"
)

// Every attribute default is stated in its description, and every timeouts
// attribute lists its defaults: the generated docs show what a user gets
// without reading the source.
func TestSchemaDescriptionsStateDefaults(t *testing.T) {
	ctx := context.Background()
	p := New("test")()
	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "rack"}, &meta)
		var resp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		for name, a := range resp.Schema.Attributes {
			want := ""
			switch a := a.(type) {
			case schema.StringAttribute:
				if a.Default != nil {
					var d defaults.StringResponse
					a.Default.DefaultString(ctx, defaults.StringRequest{}, &d)
					want = fmt.Sprintf("Defaults to `%s`.", d.PlanValue.ValueString())
				}
			case schema.BoolAttribute:
				if a.Default != nil {
					var d defaults.BoolResponse
					a.Default.DefaultBool(ctx, defaults.BoolRequest{}, &d)
					want = fmt.Sprintf("Defaults to `%t`.", d.PlanValue.ValueBool())
				}
			case schema.Int64Attribute:
				if a.Default != nil {
					var d defaults.Int64Response
					a.Default.DefaultInt64(ctx, defaults.Int64Request{}, &d)
					want = fmt.Sprintf("Defaults to `%d`.", d.PlanValue.ValueInt64())
				}
			}
			if name == "timeouts" {
				want = "Defaults: "
			}
			if want == "" || want == "Defaults to ``." {
				continue // no default, or the empty string (a description, say)
			}
			if !strings.Contains(a.GetDescription(), want) {
				t.Errorf("%s.%s: description %q does not say %q", meta.TypeName, name, a.GetDescription(), want)
			}
		}
	}
}
