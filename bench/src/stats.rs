//! Median and spread of several runs, and how numbers are written.

/// Several runs of one figure: the median, and the lowest and highest.
#[derive(Debug, Clone, Copy)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(values: &[f64]) -> Spread {
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Spread {
            median: median(values).unwrap_or(f64::NAN),
            min,
            max,
        }
    }

    /// The spread as a share of the median: half the range, in percent.
    pub fn percent(&self) -> f64 {
        if self.median > 0.0 {
            (self.max - self.min) / 2.0 / self.median * 100.0
        } else {
            0.0
        }
    }

    /// `12,345 ± 3%`, with `decimals` after the point below 100.
    pub fn show(&self, decimals: usize) -> String {
        format!("{} ±{:.0}%", number(self.median, decimals), self.percent())
    }
}

/// The middle value (the mean of the two middle ones for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> =
        values.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

/// `12,345`: a whole number with thousands separated.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A figure for a table: thousands separated from 100 up, else `decimals`.
pub fn number(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    if value >= 100.0 {
        thousands(value.round() as usize)
    } else {
        format!("{value:.decimals$}")
    }
}

/// A latency given in microseconds: `45 µs`, `1.2 ms`, `3.4 s`.
pub fn micros(us: f64) -> String {
    if !us.is_finite() {
        "n/a".to_string()
    } else if us < 100.0 {
        format!("{us:.1} µs")
    } else if us < 1_000.0 {
        format!("{us:.0} µs")
    } else if us < 1_000_000.0 {
        format!("{:.1} ms", us / 1_000.0)
    } else {
        format!("{:.1} s", us / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_between_the_middle_two() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn the_spread_is_half_the_range_over_the_median() {
        let s = Spread::of(&[90.0, 100.0, 110.0]);
        assert_eq!((s.median, s.min, s.max), (100.0, 90.0, 110.0));
        assert_eq!(s.percent(), 10.0);
    }
}
