//! Activity subjects and note texts with a sentiment (positive, neutral, mixed, negative),
//! composed from an opener for the kind of activity, one or two sentences of that sentiment and
//! sometimes a next step, with the contact, a product and a few numbers filled in. Everything here
//! is invented.

use nexus_core::activity::ActivityKind;
use rand::Rng;
use rand::rngs::SmallRng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sentiment {
    Positive,
    Neutral,
    Mixed,
    Negative,
}

pub const SENTIMENTS: [Sentiment; 4] = [
    Sentiment::Positive,
    Sentiment::Neutral,
    Sentiment::Mixed,
    Sentiment::Negative,
];

const POSITIVE: &[&str] = &[
    "{contact} is very happy with the {product} and wants to roll it out to the rest of the team.",
    "Great conversation: they praised the fast delivery and the help with the setup.",
    "They renewed without haggling and asked about our roadmap for next year.",
    "Feedback on the {product} was excellent; the build quality really stood out.",
    "{contact} thanked us for sorting out the invoice so quickly.",
    "Budget is approved and they want the proposal by {weekday}.",
    "They recommended us to a partner company and promised a warm introduction.",
    "Support closed their ticket within a day; {contact} called it the best service they have had.",
    "Enthusiastic about the training workshop and already asking for a second date.",
    "The pilot went smoothly and the users love the {product}.",
    "Delighted with the new pricing, they plan to expand the order next quarter.",
    "{contact} said the onboarding was painless and well organised.",
    "They are impressed by how reliable the {product} has been since the rollout.",
    "Really friendly call, {contact} is keen to keep working with us.",
    "Their IT lead loves the {product} and wants {n} more units.",
    "Thanks to the quick replacement they had no downtime at all. Very satisfied customer.",
    "They confirmed we are their preferred supplier for the next {n} months.",
    "{contact} was pleased that the delivery arrived a day early.",
    "Strong interest in the premium support plan after a great first year.",
    "Happy with the discount we agreed; they signed the order the same day.",
];

const NEUTRAL: &[&str] = &[
    "Discussed the current setup and the number of seats they need.",
    "{contact} asked for the updated price list.",
    "Sent the datasheet for the {product}.",
    "Confirmed the delivery address and the billing contact.",
    "Reviewed the open tickets; nothing urgent.",
    "They are evaluating options and will decide after their board meeting.",
    "Walked through the licence terms and the renewal dates.",
    "Asked whether the {product} works with their existing docking stations.",
    "Updated the contact details; {contact} is now the main point of contact.",
    "They need {n} units and asked about lead times.",
    "Went through the order history of the last year.",
    "{contact} is on holiday until {weekday}; their colleague will cover.",
    "Explained the difference between the standard and the premium support plans.",
    "They will send the purchase order once finance has signed off.",
    "Clarified the payment terms (30 days net).",
    "Asked for a copy of the last {n} invoices for their audit.",
    "Talked about their plans to move to a new office.",
    "{contact} wants to compare the {product} with the previous model.",
];

const NEGATIVE: &[&str] = &[
    "{contact} is frustrated: the {product} delivery is {n} days late.",
    "Complaint about the last invoice: they were charged twice and want a credit note.",
    "They are unhappy with our support response times and mentioned cancelling.",
    "The {product} failed after a month; this is the second defective unit.",
    "The price increase did not go down well and they are talking to a competitor.",
    "{contact} was annoyed that nobody called back last week.",
    "Very disappointed with the {product}: too noisy, and the firmware keeps crashing.",
    "They feel ignored since their account manager changed.",
    "Their budget was cut and the project is on hold indefinitely.",
    "Angry about a missing part in the last shipment.",
    "They say our quote is far too expensive and the terms are unacceptable.",
    "Usage has dropped and they did not renew the support contract.",
    "{contact} complained that the replacement {product} is also broken.",
    "Poor experience with the installation team, who arrived {n} hours late.",
    "They are considering switching suppliers after repeated billing errors.",
    "{contact} was rude on the phone and threatened to escalate to our management.",
    "Unhappy that the promised discount was missing from the invoice.",
    "The rollout stalled: their staff find the {product} confusing.",
];

const CONTRASTS: &[&str] = &[
    "However,",
    "On the other hand,",
    "But",
    "That said,",
    "Still,",
];

const NEXT_STEPS: &[&str] = &[
    "Next step: send a revised quote.",
    "Follow up in {n} weeks.",
    "Will loop in support.",
    "Action: schedule a demo for {weekday}.",
    "Sent a summary by email.",
    "Need to check stock with the warehouse.",
    "Asked finance to look into it.",
    "Reminder set for next month.",
];

const WEEKDAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

const TOPICS: &[&str] = &[
    "the renewal",
    "pricing",
    "the rollout",
    "the support contract",
    "the delivery",
    "the invoice",
    "onboarding",
    "the pilot",
    "the next order",
    "training",
];

fn pick<'a>(rng: &mut SmallRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// Fills the placeholders of `template` into `out`.
fn fill(rng: &mut SmallRng, template: &str, contact: &str, product: &str, out: &mut String) {
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        match &rest[start + 1..start + end] {
            "contact" => out.push_str(contact),
            "product" => out.push_str(product),
            "weekday" => out.push_str(pick(rng, WEEKDAYS)),
            "topic" => out.push_str(pick(rng, TOPICS)),
            "n" => out.push_str(&rng.random_range(2..=12).to_string()),
            other => out.push_str(other),
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
}

/// The subject of an activity.
pub fn subject(rng: &mut SmallRng, kind: ActivityKind, contact: &str, product: &str) -> String {
    let template = match kind {
        ActivityKind::Note => pick(
            rng,
            &[
                "Account notes",
                "Feedback on the {product}",
                "Internal: {topic}",
                "Notes after the visit",
                "Notes on {topic}",
            ],
        ),
        ActivityKind::Call => pick(
            rng,
            &[
                "Call with {contact}",
                "Follow-up call",
                "Check-in call",
                "Call about {topic}",
            ],
        ),
        ActivityKind::Email => pick(
            rng,
            &[
                "Re: {topic}",
                "Quote for the {product}",
                "Invoice question",
                "Re: delivery of the {product}",
            ],
        ),
        ActivityKind::Meeting => pick(
            rng,
            &[
                "Quarterly business review",
                "Demo of the {product}",
                "Kick-off meeting",
                "Meeting about {topic}",
            ],
        ),
        ActivityKind::Task => pick(
            rng,
            &[
                "Send a quote for the {product}",
                "Follow up with {contact}",
                "Prepare the renewal offer",
                "Check the delivery status",
                "Schedule the training",
                "Update the contact details",
                "Chase the purchase order",
            ],
        ),
    };
    let mut out = String::with_capacity(48);
    fill(rng, template, contact, product, &mut out);
    out
}

/// The body of an activity with a sentiment.
pub fn body(
    rng: &mut SmallRng,
    kind: ActivityKind,
    sentiment: Sentiment,
    contact: &str,
    product: &str,
) -> String {
    let opener = match kind {
        ActivityKind::Call => pick(
            rng,
            &[
                "Called {contact}. ",
                "Phone call with {contact}. ",
                "{contact} called us. ",
                "Quick call with {contact}. ",
            ],
        ),
        ActivityKind::Meeting => pick(
            rng,
            &[
                "Met {contact} at their office. ",
                "Video meeting with {contact} and two colleagues. ",
                "Review meeting with {contact}. ",
            ],
        ),
        ActivityKind::Email => pick(
            rng,
            &[
                "Email from {contact}: ",
                "Replied to {contact}'s email. ",
                "{contact} wrote: ",
            ],
        ),
        ActivityKind::Note | ActivityKind::Task => pick(rng, &["", "", "Note: ", "Internal: "]),
    };
    let mut out = String::with_capacity(200);
    fill(rng, opener, contact, product, &mut out);
    let sentence = |rng: &mut SmallRng, list: &[&str], out: &mut String| {
        let template = pick(rng, list);
        fill(rng, template, contact, product, out);
    };
    match sentiment {
        Sentiment::Positive => {
            sentence(rng, POSITIVE, &mut out);
            if rng.random_bool(0.3) {
                out.push(' ');
                sentence(rng, POSITIVE, &mut out);
            }
        }
        Sentiment::Neutral => {
            sentence(rng, NEUTRAL, &mut out);
            if rng.random_bool(0.4) {
                out.push(' ');
                sentence(rng, NEUTRAL, &mut out);
            }
        }
        Sentiment::Negative => {
            sentence(rng, NEGATIVE, &mut out);
            if rng.random_bool(0.3) {
                out.push(' ');
                sentence(rng, NEGATIVE, &mut out);
            }
        }
        Sentiment::Mixed => {
            sentence(rng, POSITIVE, &mut out);
            out.push(' ');
            out.push_str(pick(rng, CONTRASTS));
            out.push(' ');
            let mut negative = String::with_capacity(100);
            sentence(rng, NEGATIVE, &mut negative);
            // Lower-case the first letter unless it starts a name.
            if let Some(first) = negative.chars().next()
                && !negative.starts_with(contact)
            {
                let lower: String = first.to_lowercase().collect();
                negative.replace_range(..first.len_utf8(), &lower);
            }
            out.push_str(&negative);
        }
    }
    if rng.random_bool(0.4) {
        out.push(' ');
        let step = pick(rng, NEXT_STEPS);
        fill(rng, step, contact, product, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::HashSet;

    #[test]
    fn texts_are_filled_and_varied() {
        let mut rng = SmallRng::seed_from_u64(3);
        let mut seen = HashSet::new();
        for i in 0..2000 {
            let s = SENTIMENTS[i % 4];
            let b = body(&mut rng, ActivityKind::Call, s, "Ada", "Wireless Mouse");
            assert!(!b.contains('{') && !b.contains('}'), "{b}");
            assert!(b.len() < nexus_core::activity::BODY_MAX);
            seen.insert(b);
            let subj = subject(&mut rng, ActivityKind::Task, "Ada", "Wireless Mouse");
            assert!(!subj.contains('{') && subj.len() <= nexus_core::activity::SUBJECT_MAX);
        }
        assert!(seen.len() > 1500, "{} distinct texts", seen.len());
    }
}
