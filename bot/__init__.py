"""ketnoi: the chatbot of Hanoi's network for sustainable production and consumption."""
