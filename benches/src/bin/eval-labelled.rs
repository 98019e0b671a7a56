//! `eval-labelled [SEED] [DOCS_PER_FORMAT]`: precision and recall per kind
//! on the labelled corpus, without and with structure awareness, as a
//! Markdown table (the figures in the issue 4 note and DESIGN.md).

use caldicott_benches::labelled::{evaluate, Comparison};
use caldicott_core::{Config, Engine};
use caldicott_testkit::labelled::labelled_corpus;

fn main() {
    let mut args = std::env::args().skip(1);
    let mut number = |default: u64| {
        args.next().map_or(Ok(default), |a| {
            a.parse::<u64>().map_err(|e| format!("bad number {a:?}: {e}"))
        })
    };
    let (seed, per_format) = match (number(1), number(100)) {
        (Ok(s), Ok(n)) => (s, n as usize),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("eval-labelled: {e}\nusage: eval-labelled [SEED] [DOCS_PER_FORMAT]");
            std::process::exit(2);
        }
    };
    let docs = labelled_corpus(seed, per_format);
    let plain = Config { structure: false, ..Config::default() };
    let before = evaluate(&Engine::new(plain).expect("valid config"), &docs);
    let after = evaluate(&Engine::default(), &docs);
    println!(
        "{} documents ({per_format} per format, seed {seed}); reported = \
         confidence medium or higher\n",
        docs.len()
    );
    print!("{}", Comparison { before: &before, after: &after });
}
