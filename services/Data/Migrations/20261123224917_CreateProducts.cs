using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Inference.Data.Migrations
{
    /// <inheritdoc />
    public partial class CreateProducts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "products",
                columns: table => new
                {
                    product_id = table.Column<Guid>(type: "uuid", nullable: false),
                    source = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    source_id = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: true),
                    text = table.Column<string>(type: "text", nullable: false),
                    category = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    confidence = table.Column<double>(type: "double precision", nullable: true),
                    brand = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: true),
                    mpn = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: true),
                    gtin = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    mpn_valid = table.Column<bool>(type: "boolean", nullable: true),
                    gtin_valid = table.Column<bool>(type: "boolean", nullable: true),
                    verdicts = table.Column<string>(type: "jsonb", nullable: false),
                    attributes = table.Column<string>(type: "jsonb", nullable: false),
                    models = table.Column<string>(type: "jsonb", nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    revision = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_products", x => x.product_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_products_category",
                table: "products",
                column: "category");

            migrationBuilder.CreateIndex(
                name: "ix_products_gtin",
                table: "products",
                column: "gtin");

            migrationBuilder.CreateIndex(
                name: "ix_products_source",
                table: "products",
                columns: new[] { "source", "source_id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "products");
        }
    }
}
