//! Writing the report document in the formats the user asked for.
