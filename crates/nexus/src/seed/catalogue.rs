//! The demo product catalogue: office technology in nine categories, each item priced in USD and,
//! under its own SKU (`…-EU`), in EUR. A few items are discontinued (inactive): they appear in
//! the first year of history only. Every demo SKU starts with [`SKU_PREFIX`], so a re-run finds
//! the products of earlier runs and sells those instead of creating them again.

use nexus_core::ids::ProductId;
use nexus_core::money::Currency;
use nexus_core::product::Product;
use nexus_core::time::Timestamp;

pub const SKU_PREFIX: &str = "NXD-";

/// Categories, from cheap to premium. [`super::segments`] weights purchases by them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    Consumables,
    Accessories,
    Storage,
    Audio,
    Monitors,
    Networking,
    Software,
    Laptops,
    Services,
}

pub const CATEGORIES: [Category; 9] = [
    Category::Consumables,
    Category::Accessories,
    Category::Storage,
    Category::Audio,
    Category::Monitors,
    Category::Networking,
    Category::Software,
    Category::Laptops,
    Category::Services,
];

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::Consumables => "Consumables",
            Category::Accessories => "Accessories",
            Category::Storage => "Storage",
            Category::Audio => "Audio",
            Category::Monitors => "Monitors",
            Category::Networking => "Networking",
            Category::Software => "Software",
            Category::Laptops => "Laptops",
            Category::Services => "Services",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        CATEGORIES.into_iter().find(|c| c.name() == name)
    }
}

/// (SKU stem, name, category, USD price in cents, discontinued)
const ITEMS: &[(&str, &str, Category, i64, bool)] = &[
    (
        "CON-TONER-BK",
        "Printer Toner, Black",
        Category::Consumables,
        7_900,
        false,
    ),
    (
        "CON-PAPER-A4",
        "Copy Paper A4, 5 Reams",
        Category::Consumables,
        2_400,
        false,
    ),
    (
        "CON-CLEAN-KIT",
        "Screen Cleaning Kit",
        Category::Consumables,
        900,
        false,
    ),
    (
        "CON-BATT-AA24",
        "AA Batteries, 24 Pack",
        Category::Consumables,
        1_400,
        false,
    ),
    (
        "ACC-HUB-7",
        "USB-C Hub 7-in-1",
        Category::Accessories,
        4_900,
        false,
    ),
    (
        "ACC-MOUSE-WL",
        "Wireless Mouse",
        Category::Accessories,
        2_900,
        false,
    ),
    (
        "ACC-KBD-MECH",
        "Mechanical Keyboard",
        Category::Accessories,
        8_900,
        false,
    ),
    (
        "ACC-SLEEVE-14",
        "Laptop Sleeve 14\"",
        Category::Accessories,
        2_500,
        false,
    ),
    (
        "ACC-CABLE-C2",
        "USB-C Cable, 2 m",
        Category::Accessories,
        1_200,
        false,
    ),
    (
        "ACC-CAM-HD",
        "HD Webcam 1080p",
        Category::Accessories,
        6_900,
        false,
    ),
    (
        "ACC-STAND",
        "Aluminium Laptop Stand",
        Category::Accessories,
        3_900,
        false,
    ),
    (
        "STO-USB-128",
        "USB Flash Drive 128 GB",
        Category::Storage,
        1_900,
        false,
    ),
    (
        "STO-SSD-1T",
        "Portable SSD 1 TB",
        Category::Storage,
        11_900,
        false,
    ),
    ("STO-NAS-4", "NAS, 4 Bays", Category::Storage, 64_900, false),
    (
        "AUD-HEADSET-PRO",
        "Quiet Pro Headset",
        Category::Audio,
        24_900,
        false,
    ),
    (
        "AUD-SPKPHONE",
        "Desk Speakerphone",
        Category::Audio,
        17_900,
        false,
    ),
    (
        "AUD-EARBUDS",
        "Wireless Earbuds",
        Category::Audio,
        12_900,
        false,
    ),
    (
        "MON-VL24",
        "ViewLine 24\" Monitor",
        Category::Monitors,
        22_900,
        false,
    ),
    (
        "MON-VL27-4K",
        "ViewLine 27\" 4K Monitor",
        Category::Monitors,
        44_900,
        false,
    ),
    (
        "MON-VL34-UW",
        "ViewLine 34\" Ultrawide",
        Category::Monitors,
        79_900,
        false,
    ),
    (
        "MON-VL22",
        "ViewLine 22\" Monitor",
        Category::Monitors,
        17_900,
        true,
    ),
    (
        "NET-MESH",
        "Mesh Wi-Fi Node",
        Category::Networking,
        19_900,
        false,
    ),
    (
        "NET-SW24",
        "24-Port Switch",
        Category::Networking,
        34_900,
        false,
    ),
    (
        "NET-ROUTER-BIZ",
        "Business Router",
        Category::Networking,
        49_900,
        false,
    ),
    (
        "SW-OFFICE-Y",
        "Office Suite, Annual Seat",
        Category::Software,
        12_000,
        false,
    ),
    (
        "SW-SECURE-Y",
        "Endpoint Security, Annual Seat",
        Category::Software,
        4_500,
        false,
    ),
    (
        "SW-DESIGN-Y",
        "Design Studio, Annual Seat",
        Category::Software,
        59_900,
        false,
    ),
    (
        "SW-PROJECT-Y",
        "Project Cloud, Annual Seat",
        Category::Software,
        9_600,
        false,
    ),
    (
        "LAP-SLATE13",
        "Slate 13 Ultrabook",
        Category::Laptops,
        99_900,
        false,
    ),
    (
        "LAP-AERO14",
        "Aero 14 Laptop",
        Category::Laptops,
        129_900,
        false,
    ),
    (
        "LAP-AERO16-PRO",
        "Aero 16 Pro Laptop",
        Category::Laptops,
        219_900,
        false,
    ),
    (
        "LAP-AERO13-24",
        "Aero 13 Laptop (2024)",
        Category::Laptops,
        109_900,
        true,
    ),
    (
        "SRV-SETUP",
        "On-site Setup, per Device",
        Category::Services,
        8_900,
        false,
    ),
    (
        "SRV-SUPPORT-Y",
        "Premium Support, Annual",
        Category::Services,
        149_900,
        false,
    ),
    (
        "SRV-MIGRATION",
        "Data Migration Service",
        Category::Services,
        250_000,
        false,
    ),
    (
        "SRV-TRAINING",
        "Training Workshop, One Day",
        Category::Services,
        180_000,
        false,
    ),
];

/// The currencies the catalogue is priced in: USD everywhere, EUR for customers in the euro area.
pub fn usd() -> Currency {
    Currency::parse("USD").unwrap_or_else(|_| unreachable!("USD is an ISO 4217 code"))
}

pub fn eur() -> Currency {
    Currency::parse("EUR").unwrap_or_else(|_| unreachable!("EUR is an ISO 4217 code"))
}

/// EUR list price from the USD one: about 8 % lower, ending in .90.
fn eur_price(usd_cents: i64) -> i64 {
    (usd_cents * 92 / 100) / 100 * 100 - 10
}

/// The whole demo catalogue, as new products created at `now`.
pub fn products(now: Timestamp) -> Vec<Product> {
    let mut out = Vec::with_capacity(ITEMS.len() * 2);
    for &(stem, name, category, price, discontinued) in ITEMS {
        for (currency, suffix, price) in [(usd(), "", price), (eur(), "-EU", eur_price(price))] {
            out.push(Product {
                id: ProductId::new(),
                sku: format!("{SKU_PREFIX}{stem}{suffix}"),
                name: name.to_owned(),
                description: Some(format!("{} — {name}.", category.name())),
                category: Some(category.name().to_owned()),
                price,
                currency,
                active: !discontinued,
                attributes: Default::default(),
                version: 1,
                created_at: now,
                updated_at: now,
                deleted_at: None,
            });
        }
    }
    out
}

/// A product the generator may sell, with its category read back from the stored product.
#[derive(Clone, Debug)]
pub struct Sellable {
    pub id: ProductId,
    pub category: Category,
    pub currency: Currency,
    pub price: i64,
    /// Inactive: sold only in the first year of history.
    pub discontinued: bool,
}

/// The products of `all` (stored or new) the generator may sell: demo SKUs in a demo category.
pub fn sellable(all: &[Product]) -> Vec<Sellable> {
    all.iter()
        .filter(|p| p.deleted_at.is_none() && p.sku.starts_with(SKU_PREFIX))
        .filter_map(|p| {
            Some(Sellable {
                id: p.id,
                category: Category::from_name(p.category.as_deref()?)?,
                currency: p.currency,
                price: p.price,
                discontinued: !p.active,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_is_valid_and_unique() {
        let products = products(nexus_core::time::now());
        assert!((40..=80).contains(&products.len()));
        let skus: HashSet<_> = products.iter().map(|p| p.sku_normalized()).collect();
        assert_eq!(skus.len(), products.len());
        for p in &products {
            let parsed = nexus_core::product::NewProduct::parse(&serde_json::json!({
                "sku": p.sku, "name": p.name, "price": p.price, "currency": p.currency.as_str(),
                "category": p.category, "description": p.description,
            }));
            assert!(parsed.is_ok(), "{p:?}");
            assert!(p.price > 0);
        }
        assert_eq!(sellable(&products).len(), products.len());
        assert!(products.iter().any(|p| !p.active));
    }
}
